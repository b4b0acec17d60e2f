-- What the collector saw at each pull of a node's /health, bounded by ControlPlane:History (samples per node and
-- maximum age). Traffic holds the gateway's cumulative counters; rates come from differences between samples.
CREATE TABLE node_samples (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    colo          text NOT NULL REFERENCES nodes (colo) ON DELETE CASCADE,
    collected_at  timestamptz NOT NULL,
    state         text NOT NULL CHECK (state IN ('healthy', 'degraded', 'down')),
    reason        text,
    latency_ms    double precision,
    models        jsonb NOT NULL DEFAULT '[]',
    traffic       jsonb
);

-- Every read is "the newest samples of one node".
CREATE INDEX node_samples_colo_collected_at ON node_samples (colo, collected_at DESC);
CREATE INDEX node_samples_collected_at ON node_samples (collected_at);

-- Published routing tables. A version is inserted only when the content changed (or RefreshAfter passed), under an
-- advisory lock, as max(previous + 1, publication time in Unix ms): versions only grow, also past rows a restore
-- lost, and every replica serves the same bytes for one. The payload is the table's JSON as signed (stale = false).
CREATE TABLE routing_tables (
    version       bigint PRIMARY KEY CHECK (version > 0),
    content_hash  text NOT NULL,
    payload       text NOT NULL,
    generated_at  timestamptz NOT NULL
);
