# Thin wrapper over CMake. `make run`: set up and run the default sweep; `make test`: set up and
# run the whole suite. See README for the manual path.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
NP ?= $(shell nproc)
SWEEP ?= sweeps/quickstart.json
OUT ?= results/quickstart.h5
MPI_ENV = OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
  PMIX_MCA_gds=hash

.PHONY: all deps test-deps build run test test-asan test-fuzz bench fixtures clean

all: build

deps:
	@.ci/install-deps build

test-deps:
	@.ci/install-deps test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DIHSWEEP_WERROR=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(dir $(OUT))
	$(MPI_ENV) mpirun --oversubscribe -n $(NP) $(BUILD)/ihsweep run $(SWEEP) -o $(OUT) --resume
	$(BUILD)/ihsweep analyze $(OUT)
	$(BUILD)/ihsweep plot $(OUT) -o $(dir $(OUT))figures
	@echo "results: $(OUT); figures: $(dir $(OUT))figures"

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j 2
	$(MAKE) test-asan
	$(MAKE) test-fuzz

# The sanitizer job: ASan + UBSan on the MPI-free tests and the MPI tests registered with
# ih_add_mpi_test (ranks with leak checks, Open MPI's own allocations suppressed:
# tests/sanitize), built with clang. test_analysis_cli (labelled mpi) is a script that starts the
# program by itself, without those settings: it stays out.
test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang-14 \
	  -DIHSWEEP_SANITIZE=ON -DIHSWEEP_WERROR=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 2 -L 'serial|mpi' \
	  -E '^test_analysis_cli$$'

# The fuzz job: each libFuzzer target (tests/fuzz) replays its regression inputs, then fuzzes
# for FUZZ_SECONDS. A longer local run: tests/fuzz/run_fuzz.sh TARGET SECONDS (see README).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
test-fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
	  -DIHSWEEP_FUZZ=ON -DIHSWEEP_WERROR=ON -DIHSWEEP_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

bench: build
	OPENBLAS_NUM_THREADS=1 $(BUILD)/ihsweep bench

fixtures:
	@.ci/install-deps fixtures
	/usr/bin/python3 tests/reference/make_fixtures.py tests/reference/fixtures

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
