"""One package per feature; each has `async def setup(bot)` in its __init__."""
