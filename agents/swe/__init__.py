"""SWE-bench style issue fixing: instances, grading, test runs, and the solving pipeline."""
