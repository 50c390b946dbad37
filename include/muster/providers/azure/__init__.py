"""Azure: Entra ID (Microsoft Graph) and Azure RBAC (ARM), collected over plain HTTP."""
