"""`python -m local`: the embedded runtime (what `make run` starts)."""

from local.runtime import main

main()
