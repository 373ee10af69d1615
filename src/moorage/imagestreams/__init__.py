"""Image streams: Images and ImageStreams recorded from pushes, tags through the API."""
