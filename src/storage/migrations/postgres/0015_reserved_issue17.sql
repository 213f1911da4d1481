-- Placeholder on branch issue18-serve only: version 0015 belongs to issue 17's branches. Drop this
-- file when merging (their 0015 takes its place); it changes nothing.
SELECT 1;
