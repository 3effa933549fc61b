"""What a build says about itself: the build report (``build.json``), the dataset card, the class
chart, and the words they share."""
