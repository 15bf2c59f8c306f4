"""GUI actions (GTA1-style): K action proposals per step, a vote over identical actions and a judge on
ties, executed on MiniWoB++ tasks in headless Chromium (`tools.browser`). The pipeline registers
itself from `agents/gui/register.py` as `gui`."""
