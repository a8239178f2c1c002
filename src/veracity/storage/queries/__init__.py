"""Read and write functions over one connection. Each takes the organization (or a project
already checked against it) so tenancy lives here; none of them commits."""
