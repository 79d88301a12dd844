# Build settings, in one place (suckless style). Override on the command line:
#   make CC=clang            another compiler
#   make SAN=1               AddressSanitizer + UndefinedBehaviorSanitizer build (in build-san/)
#   make PREFIX=/opt/vanbang install

PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := openssl libqrencode sqlite3 libmicrohttpd libcurl libpng cairo pangocairo
TESTPKGS := cmocka

CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
OPT      ?= -O2 -g

ifeq ($(SAN),1)
  BUILD   := build-san
  OPT     := -O1 -g -fno-omit-frame-pointer
  SANFLAG := -fsanitize=address,undefined -fno-sanitize-recover=all
else
  BUILD   := build
  SANFLAG :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

CFLAGS   += $(CSTD) $(WARN) $(OPT) $(SANFLAG) $(PKG_CFLAGS) -Ilibvanbang -pthread
LDFLAGS  += $(SANFLAG) -pthread
LDLIBS   += $(PKG_LIBS) -lunistring -lm

# libFuzzer targets are built with clang whatever CC is.
FUZZCC    ?= clang
FUZZFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined $(CSTD) -Ilibvanbang $(PKG_CFLAGS)
FUZZ_SECONDS ?= 20
