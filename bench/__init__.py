"""Benchmarks of the product on the embedded offline stack (``python -m bench.<name>``).

See bench/README.md. They import the shared package ``closedwon`` as installed into .venv.
"""
