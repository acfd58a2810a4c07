-- Whether an event is stated in the headline or lede: the article's main event, as
-- opposed to background mentioned further down. Only main events make an item worth a call.
ALTER TABLE events ADD COLUMN in_lead BOOLEAN DEFAULT false;
