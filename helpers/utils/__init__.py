"""Small shared tools: atomic writes, lock files, the process pool, downloads, timing."""
