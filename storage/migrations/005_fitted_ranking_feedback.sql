-- The fitted ranking's extra factors (see tipsheet/score.py): the profile similarity's and
-- the feedback's odds multipliers, and the fitted probability the score starts from.
ALTER TABLE digest_items ADD COLUMN s_profile DOUBLE;
ALTER TABLE digest_items ADD COLUMN s_feedback DOUBLE;
ALTER TABLE digest_items ADD COLUMN probability DOUBLE;

-- A manager's judgement of an item (`tipsheet feedback`): not-useful stories never return,
-- and both kinds move similar items for that manager. One row per (manager, article): a
-- new judgement replaces the old.
CREATE TABLE feedback (
    manager_id  VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    useful      BOOLEAN NOT NULL,
    note        VARCHAR,
    judged_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (manager_id, article_id)
);
