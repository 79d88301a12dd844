# vanbang — top-level build. Settings live in config.mk; this file only says what is built from what.
#   make            build the library and the programs
#   make run        set up, build, run the demo end to end (see README)
#   make test       set up, build, run every unit and CLI test
#   make test SAN=1 the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make bench      print benchmark figures beside their references (record, verifier, issuer, portal)
include config.mk

LIB_SRC  := $(wildcard libvanbang/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libvanbang.a

# One program per folder: every .c in the folder links into it.
PROGRAM_DIRS := keys:keys issuer:issue verifier:verifier portal:portal
PROGRAMS := $(foreach p,$(PROGRAM_DIRS),$(if $(wildcard $(word 1,$(subst :, ,$(p)))/*.c),$(BUILD)/bin/vanbang-$(word 2,$(subst :, ,$(p)))))

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps run test unit cli fuzz bench install clean vectors
all: $(DEPS_STAMP) $(LIB) $(PROGRAMS) $(TOOL_BIN)

# Installs missing Debian packages when root, else prints the apt-get line and stops.
$(DEPS_STAMP): scripts/setup-deps.sh
	@sh scripts/setup-deps.sh
	@mkdir -p $(@D) && touch $@
deps: $(DEPS_STAMP)

$(BUILD)/%.o: %.c $(wildcard libvanbang/*.h keys/*.h issuer/*.h verifier/*.h portal/*.h tests/unit/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define program_rule
$(BUILD)/bin/vanbang-$(1): $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard $(2)/*.c)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call program_rule,keys,keys))
$(eval $(call program_rule,issue,issuer))
$(eval $(call program_rule,verifier,verifier))
$(eval $(call program_rule,portal,portal))

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

run: all
	@sh scripts/demo.sh $(BUILD)

test: all $(UNIT_BIN)
	@sh scripts/run-tests.sh $(BUILD)

build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard libvanbang/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lunistring -lm

fuzz: $(FUZZ_BIN)
	@sh scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# The peer (OpenAttestation, npm) is installed into $(BUILD)/oa when node and npm are there.
bench: all
	@sh scripts/bench.sh $(BUILD)
	@echo
	@export NODE_PATH="$$(sh scripts/setup-oa.sh $(BUILD))"; \
	 sh scripts/bench-verifier.sh $(BUILD) && echo && sh scripts/bench-issue.sh $(BUILD)
	@echo
	@sh scripts/bench-portal.sh $(BUILD)

# Regenerates tests/vectors/ from the committed test keys (the files are committed; run on purpose).
vectors: all
	$(BUILD)/tools/make-vectors tests/vectors

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vanbang/templates
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/vanbang/templates/

clean:
	rm -rf build build-san build-fuzz
