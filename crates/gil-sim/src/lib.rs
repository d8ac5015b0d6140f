//! gil-sim: a GIL you can watch. (Being built.)
