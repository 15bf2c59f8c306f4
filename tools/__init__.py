"""What an agent can call: repository views and edits (sandboxed execution lives in `sandboxes`)."""
