-- Whether no source could be read on this run's night (every source failed), so that such
-- a night never looks like a quiet one: digests, the index and the CLI say it.
ALTER TABLE runs ADD COLUMN nothing_read BOOLEAN DEFAULT false;
