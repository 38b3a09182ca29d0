//! Query history and favourites in a local SQLite file.
