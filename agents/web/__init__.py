"""Web question answering under a tool-call budget (BATS): plan → research (act with search/open/find,
propose an answer with a cited quote, verify it, decide) on a local index or a SearxNG server."""
