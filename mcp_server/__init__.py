"""``worldsmith mcp``: a Model Context Protocol server through which an agent builds scenes from
the DSL (data), never from code. Needs the ``mcp`` extra; the engine and the extension never
import this package."""
