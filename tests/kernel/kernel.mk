# Sample kernel build rules (included by the top-level Makefile).
.PHONY: kernels
kernels:
