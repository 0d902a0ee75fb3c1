#!/usr/bin/env python3
"""Stands in for nvdisasm in kernel-stats-sass.test: prints a fixed SASS
listing (nvdisasm -c's format) for the kernels of Inputs/two_kernels.ptx,
whatever cubin it is given."""

LISTINGS = {
    # The prefetch's loads right before the barrier: nothing hides them.
    "exposed": """
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
        STS.128 [R3], R8 ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
.L_x_1:
        LDSM.16.M88.4 R40, [R3] ;
        HMMA.16816.F32 R8, R40, R44, R8 ;
        HMMA.16816.F32 R12, R40, R46, R12 ;
        LDG.E.128 R52, desc[UR6][R36.64] ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
        STS.128 [R3], R52 ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
        STL [R1], R9 ;
        @!P0 BRA `(.L_x_1) ;
        EXIT ;
""",
    # In the loop two products follow the load up to the branch, and the
    # count wraps around to the loop's top, where the barrier is. The
    # load before the first product (the first k block's) does not count.
    "covered": """
        LDG.E.128 R52, desc[UR6][R36.64] ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
.L_x_2:
        STS.128 [R3], R52 ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
        HMMA.16816.F32 R8, R40, R44, R8 ;
        LDG.E.128 R52, desc[UR6][R36.64] ;
        HMMA.16816.F32 R12, R40, R46, R12 ;
        HMMA.16816.F32 R16, R40, R46, R16 ;
        @!P0 BRA `(.L_x_2) ;
        HMMA.16816.F32 R20, R40, R46, R20 ;
        BAR.SYNC.DEFER_BLOCKING 0x0 ;
        EXIT ;
""",
}

for name, body in LISTINGS.items():
    print(".text.%s:" % name)
    address = 0
    for line in body.strip("\n").splitlines():
        if line.startswith(".L_x_"):
            print(line)
            continue
        print("        /*%04x*/                   %s" % (address, line.strip()))
        address += 16
