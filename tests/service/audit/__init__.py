"""The tamper audit (services/audit/), as the service, the CLI, the admin API and the job run it."""
