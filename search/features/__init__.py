"""What a search offers beyond its ranked ids: highlighting, did-you-mean,
autocomplete, related articles, the date histogram and whole-set export."""
