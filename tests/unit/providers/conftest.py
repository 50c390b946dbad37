"""Shared by the provider tests: this folder is on sys.path (pytest's prepend import mode), so ``mangle``
(mutations of raw API payloads for the mangled-input tests) can be imported from each provider's tests."""
