"""Real parts on loopback for the tests: servers, a PostgreSQL cluster, the browser."""
