"""The scheduler process: APScheduler jobs (seal and anchor, confirm, size trigger) and
the leader lock that lets only one of many scheduler replicas act.

- :mod:`.work`        what each job run does (:class:`SchedulerWork`)
- :mod:`.scheduler`   the jobs' triggers and options, and the process that leads
- :mod:`.leadership`  the leader lock (a PostgreSQL lease, or a file lock)
- :mod:`.crontab`     cron expressions (weekdays counted from Sunday) as triggers
"""
