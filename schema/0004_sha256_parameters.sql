-- 0004_sha256_parameters.sql -- one hash in the project: run parameters hashed with SHA-256.
--
-- Runs written before this migration carry a 64-bit FNV-1a of parameters_json (16 hex digits).
-- The ingester now compares SHA-256 hex of the same text, so they are rehashed here
-- (cellar_sha256 is registered by the binary on every connection): fields processed by those
-- runs still count as current and are not processed again.
UPDATE run SET parameters_hash = cellar_sha256(parameters_json)
WHERE length(parameters_hash) = 16 AND parameters_hash NOT GLOB '*[^0-9a-f]*';
