"""End-to-end tests: the agent, the real Collector, Prometheus and InfluxDB on loopback."""
