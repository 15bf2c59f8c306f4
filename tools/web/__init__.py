"""Web tools for agents: a local full-text index served over loopback HTTP, a SearxNG-compatible
search client, and the budgeted `search` / `open` / `find` tools built on them. Knows no agent."""
