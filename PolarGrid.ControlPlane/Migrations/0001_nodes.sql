-- The node registry: every colo a client may route to. Nodes are added by configuration or the admin API,
-- never by a push from the node itself.
CREATE TABLE nodes (
    colo         text PRIMARY KEY CHECK (colo ~ '^[a-z][a-z0-9-]{1,31}$'),
    region       text NOT NULL,
    public_url   text NOT NULL,
    latitude     double precision,
    longitude    double precision,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
