-- Each manager profile's embedding (tipsheet.core.profile), keyed by the SHA-256 of the
-- profile's text: ranking compares every candidate with it, and loading the embedding
-- model to embed three short texts was a fifth of `tipsheet digest`'s time on a year of
-- history. An edited profile has another key and is embedded again, when next needed.
CREATE TABLE profile_vectors (
    text_sha  VARCHAR NOT NULL,
    vec       FLOAT[256] NOT NULL
);
