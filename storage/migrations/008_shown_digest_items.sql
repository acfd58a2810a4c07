-- A digest keeps a row for each item it shows only (tipsheet.core.ranking.shown_rows): the
-- first 10 worth a call and the first 15 others, in rank order. Earlier digests kept one
-- for every ranked candidate of the lookback window, thousands a night per manager, which
-- every later digest's novelty count (storage.reads.listed_before) read again. Those rows
-- are dropped here, so novelty counts what each manager was shown, earlier nights included.
-- Ranks are left as stored: gaps keep the order. Run again, it finds nothing to drop.
DELETE FROM digest_items AS d
USING (
    SELECT manager_id, run_date, article_id, worth_call,
           row_number() OVER (PARTITION BY manager_id, run_date, worth_call ORDER BY rank) AS n
    FROM digest_items
) AS r
WHERE d.manager_id = r.manager_id AND d.run_date = r.run_date AND d.article_id = r.article_id
  AND r.n > CASE WHEN r.worth_call THEN 10 ELSE 15 END;
