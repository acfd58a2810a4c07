-- The calendar day a page gives for itself, in its own timezone. published_at keeps the
-- instant (in UTC), which can fall on the next or previous day: digests show this day.
ALTER TABLE articles ADD COLUMN published_day DATE;
