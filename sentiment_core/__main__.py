from sentiment_core.cli import main

# Guarded: Dask's worker processes start by importing the parent's main module (spawn).
if __name__ == "__main__":
    raise SystemExit(main())
