//! Pause with details: the web-service client and the resolver. (Owner: pause details.)
