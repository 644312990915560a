"""Ray Serve applications for online use: the scoring service and the live results page."""
