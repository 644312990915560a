"""Running a sweep: the plan checked before any model loads, the capacity check, what a rerun
must do, the model passes side by side, progress, engine time and the manifest."""
