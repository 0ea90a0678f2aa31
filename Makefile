.PHONY: install demo test console
install:
	bash scripts/dev.sh install
demo:
	bash scripts/dev.sh demo
test:
	bash scripts/dev.sh test
