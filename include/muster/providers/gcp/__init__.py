"""Google Cloud: service accounts, their keys, IAM bindings and role permissions of projects, folders and
organisations. ``extract``/``discovery`` do I/O through injected discovery-based REST clients (``apis``);
``transform`` and everything it imports are pure."""
