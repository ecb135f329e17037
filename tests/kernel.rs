//! End-to-end tests against the running kernel, in network namespaces each test creates and removes.
