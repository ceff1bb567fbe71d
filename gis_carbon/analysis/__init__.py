"""Analysis over a workspace: target evaluation (progress), coverage and area shares."""
