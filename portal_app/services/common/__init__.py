"""What every area shares: input parsing, money, dates, pages, tokens and sealed secrets."""
