-- Hints of API keys used to show the first 6 and last 4 characters, which is
-- most of a short key. They now show at most the last 4 characters and never
-- more than a quarter of the secret. Those keys were all longer than 12
-- characters, so their last 3 characters are within that bound.
UPDATE credentials SET secret_hint = '...' || substr(secret_hint, -3) WHERE secret_hint GLOB '??????...????';
