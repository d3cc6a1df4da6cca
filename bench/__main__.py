"""`make bench`: the gateway, compiler and redaction benchmarks in one run (see bench/gateway)."""

from bench.gateway.__main__ import main

if __name__ == "__main__":
    main()
