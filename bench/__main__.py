"""`make bench`: the gateway, compiler and redaction benchmarks, then the fleet's (bench/fleet), in one run."""

from bench.fleet.__main__ import main as fleet
from bench.gateway.__main__ import main

if __name__ == "__main__":
    main()
    fleet()
