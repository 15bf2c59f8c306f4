class CronError(ValueError):
    """Invalid cron expression."""
