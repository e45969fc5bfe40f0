# VMR Companion — `make run` opens the window, `make test` runs everything.
# Both install what is missing first (apt packages where apt exists, the
# pinned Wails CLI, the frontend's npm packages).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

WAILS_VERSION := v2.12.0
GOBIN := $(shell go env GOPATH)/bin
WAILS := $(GOBIN)/wails
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Worked out once, so that every binary and package of one make run agrees.
VERSION := $(VERSION)
export VERSION
# Installing packages on this machine (make test-package) takes root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# webkit2_41: build against WebKitGTK 4.1 (Debian 12, Ubuntu 22.04+).
TAGS := webkit2_41
BIN := build/bin/vmr-companion
SERVER_BIN := build/bin/vmr-companion-server
ARTIFACTS := build/artifacts
PACKAGES := build/packages

# Debian/Ubuntu packages: building the window, then what the tests add.
APT_BUILD := libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config build-essential
APT_TEST := postgresql-15 chromium libnss3-tools ca-certificates gnome-keyring dbus dbus-x11 libsecret-tools xvfb xauth xdotool imagemagick libxml2-utils xsltproc apache2 libapache2-mod-auth-gssapi gss-ntlmssp nginx libnginx-mod-stream

.PHONY: run build server deps deps-frontend deps-test package package-linux package-windows package-sums test-package test-package-linux test-package-windows frontend bindings check-generated golden test test-go test-keychain test-frontend smoke test-addin-e2e addin-e2e bench lint clean

## run: install what is missing, build, and open the desktop window
run: build
	./$(BIN)

## build: the production binary (window included) at build/bin/vmr-companion
build: deps bindings frontend
	$(WAILS) build -s -m -skipbindings -tags $(TAGS) -trimpath -ldflags "-X main.version=$(VERSION)" -o vmr-companion

## server: the server build (no window: no Wails, GTK, WebKit or cgo) at
## build/bin/vmr-companion-server, with the add-in's files; needs only npm
server: frontend
	CGO_ENABLED=0 go build -tags server,nodemo -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(SERVER_BIN) .

deps: deps-frontend
	@scripts/install-deps.sh $(APT_BUILD)
	@if [ "$$($(WAILS) version 2>/dev/null | head -n1)" != "$(WAILS_VERSION)" ]; then \
		echo "installing the Wails CLI $(WAILS_VERSION)"; \
		go install github.com/wailsapp/wails/v2/cmd/wails@$(WAILS_VERSION); \
	fi

# The frontend's npm packages: all that the add-in's files (and so the
# server build) need.
deps-frontend:
	@if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
		cd frontend && npm ci --no-audit --no-fund; \
	fi

deps-test: deps
	@scripts/install-deps.sh $(APT_TEST)

# What bindings writes: Wails' bindings and models, the contract of the
# window and the add-in (scripts/tsgen), the fake backend's schema.
GENERATED := frontend/src/wailsjs frontend/src/lib/contract.gen.ts frontend/src/test/fakes/fixtures.json frontend/src/lib/i18n/codes.gen.json frontend/src/addin/pane-defaults.gen.json

## package-windows: cross-build vmr-companion.exe and its NSIS installer
## (per user) into build/packages/; VMR_SIGN_COMMAND signs both (see
## scripts/windows-sign.sh)
PACKAGES := build/packages
WIN_EXE := $(PACKAGES)/vmr-companion-$(VERSION)-windows-amd64.exe
WIN_INSTALLER := $(PACKAGES)/vmr-companion-$(VERSION)-windows-amd64-installer.exe
# Windows version resources take numbers only: wails.json's productVersion,
# which Wails also writes into the exe's resources.
WIN_PRODUCT_VERSION := $(shell sed -n 's/.*"productVersion": *"\([0-9.]*\)".*/\1/p' wails.json)
APT_WINDOWS := nsis
APT_WINDOWS_TEST := nsis osslsigncode wine wine64
package-windows: deps bindings frontend
	@scripts/install-deps.sh $(APT_WINDOWS)
	mkdir -p $(PACKAGES)
	rm -f $(WIN_EXE) $(WIN_INSTALLER)
	VMR_PACKAGE_VERSION='$(VERSION)' VMR_PRODUCT_VERSION='$(WIN_PRODUCT_VERSION)' \
	VMR_INSTALLER_PATH='$(CURDIR)/$(WIN_INSTALLER)' VMR_SIGN_HOOK='$(CURDIR)/scripts/windows-sign.sh' \
		$(WAILS) build -platform windows/amd64 -nsis -s -m -skipbindings -tags $(TAGS) -trimpath \
		-ldflags "-X main.version=$(VERSION)" -o vmr-companion.exe
	@# Wails only warns when makensis is missing.
	@test -f $(WIN_INSTALLER) || { echo "no installer was built: install makensis (Debian's nsis)"; exit 1; }
	cp build/bin/vmr-companion.exe $(WIN_EXE)
	@ls -l $(WIN_EXE) $(WIN_INSTALLER)

## test-package-windows: the Windows packages are sound PE files, and (wine)
## the exe runs and the installer installs and uninstalls
test-package-windows:
	@scripts/install-deps.sh $(APT_WINDOWS_TEST)
	scripts/test-windows-package.sh $(WIN_EXE) $(WIN_INSTALLER)

## package-sums: SHA256SUMS and an SPDX 2.3 SBOM (<artefact>.spdx.json) for
## every artefact in build/packages/ (SOURCE_DATE_EPOCH sets their time)
# The project's license as an SPDX expression (LICENSE), declared in the SBOMs.
PROJECT_LICENSE ?= MIT
package-sums:
	SOURCE_DATE_EPOCH="$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct)}" \
		go run ./scripts/sbom -dir $(PACKAGES) -lock frontend/package-lock.json -license '$(PROJECT_LICENSE)'

## bindings: regenerate the window's bindings (Wails), the TypeScript
## contract of the Go types and the fake backend's fixtures
bindings: deps
	$(WAILS) generate module -tags $(TAGS) >/dev/null
	@# Wails recreates its runtime files executable; git keeps them 644.
	chmod a-x frontend/src/wailsjs/runtime/*
	go run -tags $(TAGS) ./scripts/tsgen

## check-generated: fail when the generated files are not what Go says
check-generated: bindings
	@if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard -- $(GENERATED))" ]; then \
		git --no-pager diff --stat -- $(GENERATED); \
		git ls-files --others --exclude-standard -- $(GENERATED); \
		echo "generated files differ from what is committed: run make bindings and commit"; \
		exit 1; \
	fi

## golden: re-record what the frontend's fakes play back (src/test/golden/):
## the real services' answers for named scenarios, by app/desktop's
## TestGolden, which fails in `make test` when they are not current. Never
## edit those files by hand.
golden:
	go test -count=1 -tags $(TAGS) -run '^TestGolden$$' ./app/desktop -update

frontend: deps-frontend
	cd frontend && npm run build

## test: vet, Go tests with the race detector, real-keychain tests, the
## frontend's type check and unit tests, a production build, the desktop
## smoke test under Xvfb, the add-in in Chromium, and the packages (built,
## summed, installed and removed: make package, make test-package)
test: deps-test
	$(MAKE) --no-print-directory check-generated
	@echo "== go vet"
	go vet -tags $(TAGS) ./...
	$(MAKE) --no-print-directory test-frontend
	$(MAKE) --no-print-directory frontend
	$(MAKE) --no-print-directory test-go
	$(MAKE) --no-print-directory test-keychain
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory smoke
	$(MAKE) --no-print-directory addin-e2e
	@echo "== packages: build, checksums and SBOMs, install tests"
	$(MAKE) --no-print-directory package
	cd $(PACKAGES) && sha256sum --quiet -c SHA256SUMS
	$(MAKE) --no-print-directory test-package

# The JSON manifest tests validate with office-addin-manifest (an npm
# devDependency), which checks JSON manifests offline.
test-go:
	@echo "== go test -race"
	VMR_MANIFEST_NPM_VALIDATOR=$(CURDIR)/frontend/node_modules/.bin/office-addin-manifest \
		go test -race -count=1 -tags $(TAGS) ./...
	@echo "== the server build (-tags server,nodemo): no window, no demo, no fake Exchange"
	go vet -tags server,nodemo ./...
	go test -count=1 -tags nodemo -run 'TestServeDemoIsNotInThisBuild' ./app/cli/

test-keychain:
	@echo "== keychain tests against a real gnome-keyring"
	scripts/test-keychain.sh -race

test-frontend:
	@echo "== frontend: type check and unit tests"
	cd frontend && npm run check && npm test

## smoke: the built window under Xvfb creates an integration by keyboard
smoke:
	@echo "== desktop smoke test"
	scripts/desktop-smoke.sh $(BIN) $(ARTIFACTS)

## test-addin-e2e: the Outlook add-in's task pane in Chromium against the built host
test-addin-e2e: deps-test build addin-e2e

addin-e2e:
	@echo "== add-in end-to-end test"
	scripts/addin-e2e.sh $(BIN) $(ARTIFACTS)

## bench: store and import benchmarks, the window's cold start and memory, and the high-availability figures (PostgreSQL)
bench: deps-test build
	scripts/bench.sh

## lint: no large files or build outputs in git, the generated contract
## current, gofmt, go vet, staticcheck and the frontend's type check
lint: deps
	scripts/check-repo.sh
	go run -tags $(TAGS) ./scripts/tsgen -check
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet -tags $(TAGS) ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags $(TAGS) ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags server,nodemo ./...
	cd frontend && npm run check

# nfpm builds the .deb packages. go run with a pinned version keeps it and its
# dependencies out of go.mod (nothing in the program imports it) while the
# module checksum database still checks what is downloaded.
NFPM := go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
# The packages' fields (packaging/nfpm-*.yaml). The address and homepage are
# placeholders until the project has its own domain.
PKG_MAINTAINER ?= VMR Companion <dev@vmr-companion.invalid>
PKG_VENDOR ?= VMR Companion
PKG_HOMEPAGE ?= https://vmr-companion.invalid/
DEB_ARCH := $(shell go env GOARCH)

## package: every installer and its checksums and SBOM, into build/packages
## (emptied first, so that what is summed is exactly what this run built)
package:
	rm -rf $(PACKAGES)
	$(MAKE) --no-print-directory package-linux package-windows
	$(MAKE) --no-print-directory package-sums

## package-linux: the .deb packages vmr-companion (desktop) and
## vmr-companion-server into build/packages (docs/development.md "Packages")
package-linux: build server
	scripts/test-server-build.sh $(SERVER_BIN)
	go run ./packaging/iconsizes -in build/appicon.png -out build/icons 512 256
	mkdir -p $(PACKAGES)
	rm -f $(PACKAGES)/vmr-companion_*.deb $(PACKAGES)/vmr-companion-server_*.deb
	@# The last commit's time as every file's time: the same commit gives the same packages.
	export DEB_VERSION="$$(packaging/deb-version.sh $(VERSION))" DEB_ARCH=$(DEB_ARCH) \
		PKG_MAINTAINER="$(PKG_MAINTAINER)" PKG_VENDOR="$(PKG_VENDOR)" PKG_HOMEPAGE="$(PKG_HOMEPAGE)" \
		SOURCE_DATE_EPOCH="$$(git log -1 --format=%ct)"; \
	for p in desktop server; do \
		$(NFPM) package --config packaging/nfpm-$$p.yaml --packager deb --target $(PACKAGES)/; \
	done

## test-package: install and check every package on this machine
test-package: test-package-linux test-package-windows

## test-package-linux: install the .deb packages with dpkg (as root), run the
## server as its unit would, purge, and check what is left (scripts/test-deb.sh)
## (the packages make package built: the ones that were summed)
test-package-linux:
	@scripts/install-deps.sh appstream desktop-file-utils curl file systemd
	$(SUDO) scripts/test-deb.sh $(PACKAGES)

clean:
	rm -rf build/bin build/icons $(PACKAGES) $(ARTIFACTS) frontend/node_modules
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete
