"""What every area shares: errors, input parsing, money, dates, pages, tokens and sealed secrets."""
