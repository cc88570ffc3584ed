name = input().strip()
print(f"Hello, {name}! Arbiter ran this inside its sandbox.")
