"""Small plugins the core tests load through ``plugins.modules``."""
