"""What both doubles share: the loopback HTTP(S) server, JWT checks and seeded fault draws.

- :mod:`.server`: a threading HTTP/1.1 server on 127.0.0.1 (optionally TLS) that tracks its
  connections, so ``stop()`` serves nothing more, and runs in a daemon thread.
- :mod:`.jwt_checks`: reading and verifying signed JWTs (client assertions, bearer grants).
- :mod:`.faults`: one seeded random source per double, so a call sequence meets the same faults.
- :mod:`.tls`: a throw-away CA and a loopback certificate signed by it.
"""
